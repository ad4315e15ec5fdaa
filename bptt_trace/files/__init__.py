"""Files: reading the user's input (``inputs``), atomic writes (``atomic``), JSON Lines written
(``jsonl``) and read back against the schema (``trace_reader``), and model files
(``model_file``). Every file read is untrusted and checked before use."""
