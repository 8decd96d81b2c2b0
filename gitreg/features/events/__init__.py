"""Registry events: what a ref update means (a version registered, a deployment...), derived
from the update itself, so they are exact, replayable and name the object they come from."""
