"""Rich views of the event stream, one module a view (``header``, ``forward``, ``output``,
``backward``, ``contributions``, ``flow``, ``check``, ``update``, ``formulas``, ``training``),
the theme and number format (``theme``), the table they share (``tables``), the reader that
turns events into views (``renderer``) and where they go: terminal, export, pause
(``display``). Views see events only, never the engine."""
