"""The exercise's prompt on a terminal: a blank at a time (see ``ask_all``)."""
