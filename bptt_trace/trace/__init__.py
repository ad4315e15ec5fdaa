"""The event stream: every event type (``events``), the training loop as events (``loop``), the
events of a traced step (``traced_step``, ``flow_events``), the predictions, summaries of large
arrays (``summary``) and the schema in code (``checks``, ``schema``), which ``--replay`` uses."""
