"""Sign-in sessions: the session engine's table with who is signed in where, the lists of a
person's (and a portal User ID's) sessions, signing them out, and the idle and absolute
timeouts."""
