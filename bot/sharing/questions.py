"""The questions of the sharing dialogue, in the order they are asked, and how answers are read.

The table is data: each `Question` names the `Practice` field it fills, its prompt, its kind,
whether it is required, how a typed answer is validated and, in `accepts`, what it takes, which
is said whenever an answer is refused. Order: what it is, what was done, whether it worked and
what was learnt, who to contact, then the optional details.

Lists (topics, partners, links, several focus values) are separated by commas or semicolons,
the same everywhere (the moderators' approve form too).

"Worked" must say how it was measured (`says_how_measured`): the evaluation of a practice
claimed to have worked has to contain a figure (any digit: a number, a percentage, a date
range), or a word naming a measure, comparison or method (measured, compared, fell, fewer,
reduced, survey, data, evaluation, trial, baseline, ...). `we think so` or `it went well` are
refused with that explanation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.kernel.domain import EFFECTIVENESS_LABELS, Effectiveness, Focus, Visibility
from bot.sharing.validate import (
    Invalid,
    read_date,
    read_email,
    read_line,
    read_links,
    read_list,
    read_long_text,
)

TITLE_LIMIT = 200
SUMMARY_LIMIT = 300
# One limit per field for the dialogue and every form: a Slack text input holds at most 3000
# characters (Discord's 4000), so a longer answer could be typed but never shown in a modal.
LONG_LIMIT = 3000
_LONG = f"a few sentences or paragraphs, up to {LONG_LIMIT:,} characters"
_LIST_ACCEPTS = "up to 10 short items separated by commas or semicolons"
_DATE_ACCEPTS = "a date like 2024-03 or March 2024 (or a day: 2024-03-01, 1/3/2024)"
_DATE_HINT = "A date like 2024-03 or March 2024, or a day such as 2024-03-01."


class Kind(StrEnum):
    """What a question takes."""

    TEXT = "text"  # free text, one line or several
    CHOICE = "choice"  # exactly one of the choices
    MULTI_CHOICE = "multi_choice"  # one or more of the choices (buttons toggle, Done moves on)


Reader = Callable[[str, int], Any]


@dataclass(frozen=True)
class Question:
    """One question: the field it fills, how it is asked, and how a typed answer is read."""

    field: str
    label: str
    prompt: str
    kind: Kind = Kind.TEXT
    required: bool = False
    validator: Reader = read_line
    max_length: int = TITLE_LIMIT
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    aliases: tuple[str, ...] = ()
    accepts: str = "a line of text"


EFFECTIVENESS_CHOICES = tuple((e.value, EFFECTIVENESS_LABELS[e]) for e in Effectiveness)
FOCUS_CHOICES = tuple((f.value, f.label) for f in Focus)
VISIBILITY_CHOICES = ((Visibility.RESTRICTED.value, "Yes"), (Visibility.PUBLIC.value, "No"))

QUESTIONS: tuple[Question, ...] = (
    Question(
        "title",
        "Title",
        "What is the practice called? A short title, as you would like it listed.",
        required=True,
        max_length=TITLE_LIMIT,
        accepts=f"a short title of up to {TITLE_LIMIT} characters",
    ),
    Question(
        "summary",
        "Summary",
        "Sum it up in a sentence or two: what was done, for whom, and why.",
        required=True,
        max_length=SUMMARY_LIMIT,
        hint=f"Up to {SUMMARY_LIMIT} characters.",
        accepts=f"a sentence or two, up to {SUMMARY_LIMIT} characters",
    ),
    Question(
        "aim",
        "Problem and aim",
        "What problem did it tackle, and what did it aim to achieve?",
        required=True,
        validator=read_long_text,
        max_length=LONG_LIMIT,
        aliases=("problem",),
        accepts=_LONG,
    ),
    Question(
        "description",
        "What was done",
        "What was done? Who did what, how, and over what period.",
        required=True,
        validator=read_long_text,
        max_length=LONG_LIMIT,
        accepts=_LONG,
    ),
    Question(
        "focus",
        "Focus",
        "Where does it intervene? Pick one or more, then press Done.",
        kind=Kind.MULTI_CHOICE,
        required=True,
        choices=FOCUS_CHOICES,
        hint="You can also type them, e.g. prevention, diversion.",
        accepts="one or more of: "
        + ", ".join(label for _, label in FOCUS_CHOICES)
        + " (names or numbers, separated by commas or semicolons)",
    ),
    Question(
        "effectiveness",
        "Effectiveness",
        "As you see it, did it work?",
        kind=Kind.CHOICE,
        required=True,
        choices=EFFECTIVENESS_CHOICES,
        aliases=("rating",),
        accepts="one of: "
        + ", ".join(label for _, label in EFFECTIVENESS_CHOICES)
        + " (its name or number)",
    ),
    Question(
        "evaluation",
        "Evaluation",
        "How was it evaluated, and what were the results?",
        validator=read_long_text,
        max_length=LONG_LIMIT,
        accepts=_LONG,
    ),
    Question(
        "learning",
        "Learning",
        "What should others know before trying it? Lessons are worth sharing even when it "
        "didn't work.",
        required=True,
        validator=read_long_text,
        max_length=LONG_LIMIT,
        aliases=("lessons",),
        accepts=_LONG,
    ),
    Question(
        "organisation",
        "Organisation",
        "Which force or organisation ran it?",
        required=True,
        aliases=("organization", "org", "force"),
        accepts=f"the name of a force or organisation, up to {TITLE_LIMIT} characters",
    ),
    Question(
        "contact_name",
        "Contact name",
        "Who can others contact about it? Their name, please.",
        required=True,
        aliases=("contact",),
        accepts="the name of a person others can contact",
    ),
    Question(
        "contact_email",
        "Contact email",
        "And their email address?",
        required=True,
        validator=read_email,
        max_length=254,
        aliases=("email",),
        accepts="an email address such as name@force.police.uk",
    ),
    Question(
        "topics",
        "Topics",
        "Which crime or harm areas does it concern?",
        validator=read_list,
        max_length=1000,
        hint="Separate several with commas or semicolons, e.g. knife crime; anti-social behaviour.",
        accepts=_LIST_ACCEPTS,
    ),
    Question(
        "region",
        "Region",
        "Which area or region did it cover?",
        accepts="the name of an area or region",
    ),
    Question(
        "partners",
        "Partners",
        "Which partners took part (councils, charities, health, schools…)?",
        validator=read_list,
        max_length=1000,
        hint="Separate several with commas or semicolons.",
        accepts=_LIST_ACCEPTS,
    ),
    Question(
        "target_group",
        "Target group",
        "Who was it aimed at?",
        max_length=300,
        accepts="who it was aimed at, up to 300 characters",
    ),
    Question(
        "stage",
        "Stage",
        "What stage is it at? For example planning, pilot, running or finished.",
        max_length=100,
        accepts="a word or two, such as pilot or running",
    ),
    Question(
        "start_date",
        "Start date",
        "When did it start?",
        validator=read_date,
        max_length=20,
        hint=_DATE_HINT,
        aliases=("start",),
        accepts=_DATE_ACCEPTS,
    ),
    Question(
        "end_date",
        "End date",
        "When did it end, or when will it?",
        validator=read_date,
        max_length=20,
        hint=_DATE_HINT,
        aliases=("end",),
        accepts=_DATE_ACCEPTS,
    ),
    Question(
        "resources",
        "Resources and cost",
        "What did it cost, in money, staff time or other resources?",
        validator=read_long_text,
        max_length=2000,
        aliases=("cost",),
        accepts="a few sentences, up to 2,000 characters",
    ),
    Question(
        "links",
        "Links",
        "Any links to more information, such as a report or an evaluation?",
        validator=read_links,
        max_length=3000,
        hint="Web addresses starting with http:// or https://, separated by spaces or commas.",
        accepts="web addresses starting with http:// or https://, separated by spaces, commas "
        "or semicolons",
    ),
    Question(
        "visibility",
        "Police only",
        "Does this describe police tactics that should only be seen by police?",
        kind=Kind.CHOICE,
        required=True,
        choices=VISIBILITY_CHOICES,
        hint="Yes keeps it to police-only workspaces.",
        aliases=("restricted", "sensitive"),
        accepts="yes or no",
    ),
)

BY_FIELD: dict[str, Question] = {q.field: q for q in QUESTIONS}
ORDER: tuple[str, ...] = tuple(q.field for q in QUESTIONS)

WORKED_EVALUATION_PROMPT = (
    "You said it worked: how do you know? Describe how it was evaluated and what the results were."
)


def is_required(question: Question, answers: Mapping[str, Any]) -> bool:
    """Whether the question must be answered; claiming "worked" makes the evaluation required."""
    if question.field == "evaluation":
        return answers.get("effectiveness") == Effectiveness.WORKED.value
    return question.required


def prompt_for(question: Question, answers: Mapping[str, Any]) -> str:
    """The question's wording for these answers (the evaluation asks differently after "worked")."""
    if question.field == "evaluation" and is_required(question, answers):
        return WORKED_EVALUATION_PROMPT
    return question.prompt


def missing(answers: Mapping[str, Any]) -> list[str]:
    """Required fields that have no answer yet, in question order."""
    return [q.field for q in QUESTIONS if is_required(q, answers) and not answers.get(q.field)]


def find_field(name: str) -> Question | None:
    """The question a person means by `edit <name>`: its field, its label or an alias."""
    wanted = re.sub(r"[\s_-]+", " ", name).strip().casefold()
    for question in QUESTIONS:
        names = (question.field.replace("_", " "), question.label, *question.aliases)
        if wanted in (n.casefold() for n in names):
            return question
    return None


def _folded(value: str) -> str:
    """Fold a typed choice for comparison: case, apostrophes, spaces and dashes ignored."""
    return re.sub(r"[\s_'’\-–]+", "", value).casefold()


def match_choice(question: Question, raw: str) -> str | None:
    """The choice value a typed answer names: its number, value, label or the label's start.

    `Untested – new or innovative` is matched by `untested`; a yes/no question also takes y and n.
    """
    typed = raw.strip()
    if typed.isascii() and typed.isdigit() and len(typed) <= 2:
        index = int(typed) - 1
        return question.choices[index][0] if 0 <= index < len(question.choices) else None
    folded = _folded(typed)
    if not folded:
        return None
    for value, label in question.choices:
        if folded in (_folded(value), _folded(label)):
            return value
        if _folded(label.split("–")[0]) == folded:
            return value
    if question.choices == VISIBILITY_CHOICES and folded in ("y", "n"):
        return Visibility.RESTRICTED.value if folded == "y" else Visibility.PUBLIC.value
    return None


def read_choices(question: Question, raw: str) -> list[str] | Invalid:
    """Several choices typed at once (`prevention, diversion` or `1 3`), in the table's order."""
    if len(raw) > 500:
        return Invalid(_choice_reason(question))
    picked: set[str] = set()
    for part in re.split(r"[,;/\s]+", raw):
        if not part or part.casefold() in ("and", "&"):
            continue
        value = match_choice(question, part)
        if value is None:
            return Invalid(_choice_reason(question))
        picked.add(value)
    if not picked:
        return Invalid(_choice_reason(question))
    return [value for value, _ in question.choices if value in picked]


def _choice_reason(question: Question) -> str:
    labels = ", ".join(label for _, label in question.choices)
    return f"Please pick from: {labels} (or type their numbers)."


def refusal(question: Question, refused: Invalid) -> str:
    """What the person is told when an answer is refused: why, and what the question takes."""
    if refused.explains or question.kind is not Kind.TEXT:
        return refused.reason  # it already says (choices list their labels)
    return f"{refused.reason} {question.label} takes {question.accepts}."


# Words and stems that say how a result was measured: a measure, a comparison or a method.
_MEASURED = re.compile(
    r"\b(measur|compar|evaluat|assess|survey|data\b|figure|statistic|rate|percent|per cent|"
    r"baseline|control|trial|study|studies|analys|monitor|record|interview|feedback|audit|"
    r"fell|fall|rose|rise|reduc|increas|decreas|fewer|less\b|lower|higher|drop|halved|doubled|"
    r"before and after|against|versus|vs\b|report|review|questionnaire|outcome|result|"
    r"randomi|matched|independent|academ|universit|tracked|count|before\W{0,5}(and\W{0,5})?after)",
    re.IGNORECASE,
)
WORKED_NEEDS_MEASURE = (
    "You said it worked, so please say how that was measured: a figure (repeat calls fell by "
    "30%), a comparison (before and after, against similar areas) or a method (a survey, an "
    "evaluation report, recorded crime data)."
)


def says_how_measured(evaluation: str) -> bool:
    """Whether an evaluation names a figure, a measure, a comparison or a method (see above)."""
    return any(c.isdigit() for c in evaluation) or _MEASURED.search(evaluation) is not None


def check_worked(answers: Mapping[str, Any]) -> Invalid | None:
    """Refuse a "worked" whose evaluation does not say how it was measured."""
    evaluation = answers.get("evaluation")
    if answers.get("effectiveness") != Effectiveness.WORKED.value or not evaluation:
        return None
    if isinstance(evaluation, str) and says_how_measured(evaluation):
        return None
    return Invalid(WORKED_NEEDS_MEASURE, explains=True)


def read_answer(question: Question, raw: str) -> Any:
    """Read a typed answer for the question: its stored value, or an `Invalid` with the reason."""
    if question.kind is Kind.MULTI_CHOICE:
        return read_choices(question, raw)
    if question.kind is Kind.CHOICE:
        value = match_choice(question, raw) if len(raw) <= 100 else None
        return Invalid(_choice_reason(question)) if value is None else value
    return question.validator(raw, question.max_length)


def check_dates(answers: Mapping[str, Any]) -> Invalid | None:
    """Refuse an end date before the start date (either may be answered first)."""
    start, end = answers.get("start_date"), answers.get("end_date")
    if isinstance(start, str) and isinstance(end, str) and end < start:
        return Invalid(f"The end date {end} is before the start date {start}.")
    return None


def choice_label(question: Question, value: str) -> str:
    """The label shown for a stored choice value."""
    return dict(question.choices).get(value, value)
