"""The command line, a thin shell over the layers below: the Typer command (``app``), the
checks of its options before anything is computed (``checks``), one run with its readers and
exit codes (``run``), and the one-line messages on stderr (``messages``)."""
