"""The whole service on one machine: the real handlers against local emulators of AWS."""
