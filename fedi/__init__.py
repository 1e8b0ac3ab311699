"""fedi: the application that joins the protocol core and the diffusion side."""

__version__ = "0.1.0"
