"""The compiled core (src/copytrace/_native.c) is built here; everything else is declared in pyproject.toml."""
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("copytrace._native", ["src/copytrace/_native.c"], extra_compile_args=["-O3", "-std=c99"]),
    ],
)
