"""The core's timing rules come from the environment, with the bank's defaults."""

from datetime import timedelta

import pytest

from practicebank.bootstrap import core_settings
from practicebank.cli import main
from practicebank.settings import SettingsError, settings_from


def rules_from(values):
    return core_settings(settings_from(values))


def test_defaults_when_nothing_is_set():
    """Unset variables give 365 days to the follow-up, 14 to the nudge and 14 to escalation."""
    settings = rules_from({})
    assert settings.reminder_interval == timedelta(days=365)
    assert settings.nudge_after == timedelta(days=14)
    assert settings.escalate_after == timedelta(days=14)
    assert settings.search_record_age == timedelta(days=90)
    assert settings.draft_resume_after == timedelta(hours=1)


def test_each_variable_sets_its_rule():
    """Every variable is read as whole days."""
    settings = rules_from(
        {
            "REMINDER_INTERVAL_DAYS": "180",
            "REMINDER_NUDGE_DAYS": "7",
            "REMINDER_ESCALATE_DAYS": " 3 ",
            "SEARCH_RECORD_DAYS": "30",
            "DRAFT_RESUME_AFTER_MINUTES": "90",
        }
    )
    assert settings.reminder_interval == timedelta(days=180)
    assert settings.nudge_after == timedelta(days=7)
    assert settings.escalate_after == timedelta(days=3)
    assert settings.search_record_age == timedelta(days=30)
    assert settings.draft_resume_after == timedelta(minutes=90)


@pytest.mark.parametrize("raw", ["0", "-5", "1.5", "a year", "3651", "١٢", "9" * 400])
def test_unusable_values_are_refused_by_name(raw):
    """A value that is not 1–3650 whole days names the variable and the value."""
    with pytest.raises(SettingsError) as caught:
        rules_from({"REMINDER_INTERVAL_DAYS": raw})
    assert str(caught.value).startswith("REMINDER_INTERVAL_DAYS must be a whole number of days")


def test_the_cli_reports_a_bad_setting_as_a_usage_error(monkeypatch, capsys):
    """A bad setting stops a command with exit 2 and one line, not a traceback."""
    monkeypatch.setenv("REMINDER_INTERVAL_DAYS", "soon")
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert "practicebank: REMINDER_INTERVAL_DAYS must be a whole number of days" in err
    assert "Traceback" not in err


def test_search_is_not_stopped_by_a_bad_setting_it_does_not_use(monkeypatch, capsys):
    """`search` reads only where the bank is (`practicebank.read_settings`): it still answers."""
    monkeypatch.setenv("REMINDER_INTERVAL_DAYS", "soon")
    assert main(["search", "knife"]) == 1  # an empty bank: nothing found, not a usage error
    said = capsys.readouterr()
    assert "REMINDER_INTERVAL_DAYS" not in said.err
    assert "empty" in said.out.lower()
