"""The README's settings table and commands stay in step with the code."""

from pathlib import Path

from core.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_description():
    for name, field in Settings.model_fields.items():
        row = next((line for line in README.splitlines() if line.startswith(f"| `ASSISTANT_{name.upper()}`")), None)
        assert row, f"ASSISTANT_{name.upper()} is missing from the README settings table"
        assert field.description in row, f"the README row for ASSISTANT_{name.upper()} is out of date"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second():
    repo = Path(__file__).resolve().parents[1]
    first_block = README.split("```bash", 1)[1].split("```", 1)[0]
    assert "scripts/start" in first_block and "scripts/test" in first_block
    assert "scripts/test" in (repo / ".ci" / "run").read_text(encoding="utf-8")
