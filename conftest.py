"""Repository-wide pytest set-up, loaded from wherever pytest is started.

`pyproject.toml` names nbval's sanitize file relative to the repository root;
resolve it so that `pytest book/NN_chapter.ipynb` works from any folder
(e.g. from `book/`, where the notebooks run).
"""

from pathlib import Path


def pytest_configure(config):
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not Path(sanitize).is_absolute():
        config.option.nbval_sanitize_with = str(config.rootpath / sanitize)
