"""The cells and the schemes a genuine trace is written with, for the replay tests: each
name, and the options that make it."""

CELLS = {
    "rnn": ["--cell", "rnn"],
    "lstm": ["--cell", "lstm"],
    "gru": ["--cell", "gru"],
    "gru-reset-after": ["--cell", "gru", "--reset-after"],
}
SCHEMES = {
    "full": [],
    "truncate": ["--truncate", "2"],
    "chunks": ["--chunks", "2"],
    "tbptt": ["--tbptt", "2:3"],
    "chunks-sequence": ["--chunks", "2", "--update-every", "sequence"],
    "tbptt-sequence": ["--tbptt", "1:2", "--update-every", "sequence"],
}
