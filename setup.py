"""Only for the egg Scrapyd runs: `ogi deploy` and scrapyd-deploy build it with
`python setup.py bdist_egg`. Everything is declared in pyproject.toml."""

from setuptools import setup

setup()
