# Generated from the _async/ twin by scripts/unasync.py: edit that file, then run the script.
