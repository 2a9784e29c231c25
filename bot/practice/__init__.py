"""Private practice chosen by spaced repetition (FSRS): the cards (``cards``) and the component (``drills``)."""
