"""`python -m components.config`: rewrite the files made from the settings model."""

from components.config.derived_files import PROJECT_ROOT, write

changed = write()
for path in changed:
    print(f"rewrote {path.relative_to(PROJECT_ROOT)}")
if not changed:
    print("the package's inputs and the docs' settings table match the model")
