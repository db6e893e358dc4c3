"""The `help` answer: what the bot can do, with examples worth copying."""

from __future__ import annotations

from bot.kernel.replies import Buttons, Reply, bold, text
from bot.sharing import share_button

EXAMPLE_SEARCH = "knife crime diversion"


def help_reply(*, moderator: bool = False, in_terminal: bool = False) -> Reply:
    """Explain search, filters, show, paging and sharing, each with an example to copy.

    A moderator also reads their own commands (queue, stats, calls); everyone reads how to
    share by form; in the terminal, how to leave (`quit` exists only there).
    """
    return Reply(
        (
            text(
                bold("Practice bank"),
                ": what police forces and partners tried against "
                "crime and harm, and whether it worked.",
            ),
            text(
                bold("Search"),
                ": type what you are looking for, e.g. ",
                bold(EXAMPLE_SEARCH),
                ". Typos and acronyms are fine: ",
                bold("knfe crime"),
                ", ",
                bold("ASB"),
                ", ",
                bold("DV"),
                ".",
            ),
            text(
                bold("Filters"),
                " inside a search: ",
                bold("focus:diversion"),
                ", ",
                bold("rating:worked"),
                " (worked, promising, untested, didnt_work), ",
                bold("topic:violence"),
                ", ",
                bold("linked:tilley"),
                ", ",
                bold("org:sussex"),
                ". For example ",
                bold("burglary rating:worked focus:prevention"),
                ".",
            ),
            text(
                bold("Show a practice"),
                ": ",
                bold("show PB046"),
                ", or just ",
                bold("PB046"),
                ", or press ",
                bold("Details"),
                " under a result.",
            ),
            text(
                bold("More"),
                ": press ",
                bold("More results"),
                " under a list, or type ",
                bold("more"),
                ", for the next page.",
            ),
            text(
                bold("Share"),
                ": type ",
                bold("share"),
                " to add your own practice; I ask one question at a time, or type ",
                bold("share form"),
                " to fill it in as one form; ",
                bold("calls"),
                " lists the open calls for practice.",
            ),
            *(_MODERATOR_HELP if moderator else ()),
            *((text(bold("Leave"), ": type ", bold("quit"), "."),) if in_terminal else ()),
            Buttons((share_button(),)),
        )
    )


_MODERATOR_HELP = (
    text(
        bold("Moderators"),
        ": ",
        bold("queue"),
        " lists the submissions waiting for a decision; ",
        bold("stats"),
        " shows the bank's counts and gaps; ",
        bold("call open"),
        ", ",
        bold("call list"),
        " and ",
        bold("call show"),
        " run calls for practice; ",
        bold("glossary add ocg = organised crime group"),
        " teaches search a term (",
        bold("glossary"),
        " lists those taught, ",
        bold("glossary remove ocg"),
        " takes one back, ",
        bold("glossary history"),
        " shows who changed what).",
    ),
)
