"""Packages and package data of the wheel (the rest of the metadata is in pyproject.toml).

Here rather than in pyproject.toml because one package comes from outside ``neurogrow/``: the
top-level ``human_data/`` folder is shipped as the package ``neurogrow._human_data`` (read through
``neurogrow.human.layout.human_data_dir``), so an installed neurogrow runs ``compare-rt --demo`` and the
Brain-Score benchmark without a checkout.
"""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["neurogrow", "neurogrow.*"]) + ["neurogrow._human_data"],
    package_dir={"neurogrow._human_data": "human_data"},
    package_data={
        "neurogrow": ["zoo/*.pt", "zoo/*.toml", "zoo/*.json"],
        "neurogrow._human_data": ["**/*"],
        "neurogrow.brainscore": ["*/*/requirements.txt", "*/*/metadata.yml", "*/*/*.md"],
    },
)
