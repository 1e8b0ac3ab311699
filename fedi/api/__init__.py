"""The HTTP edge: thin handlers that authorise, parse, call one service and convert."""
