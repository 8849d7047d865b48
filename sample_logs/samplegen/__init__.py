"""Sample log generator modules (see ../README.md); run ../generate.py."""
