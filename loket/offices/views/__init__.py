"""The offices app's pages: ``public`` (the office directory), ``staff`` (an office's opening
hours) and ``holidays`` (national holidays and local closures)."""
