"""Version 4: short links made before a student's link stopped carrying their class are deleted. Frozen once shipped.

Until this version a short link stored the whole query of the view it was made from, and every link of a student
who had joined a class carries ``join=CODE``: whoever opened such a short link, for the month it lives, was put
into that class. Links are now stored without ``join`` unless the class's teacher made them
(``ui.shortlinks.shared_params``); which of the old ones a teacher made cannot be told, so every old one with a
``join`` value goes (a teacher makes a new one in a click). Short links hold no answers: nothing else is lost.
"""

# (no LIKE: its % is a placeholder to psycopg's driver-level SQL)
SQLITE = ("DELETE FROM short_links WHERE instr(target, '?join=') > 0 OR instr(target, '&join=') > 0",)

POSTGRESQL = ("DELETE FROM short_links WHERE strpos(target, '?join=') > 0 OR strpos(target, '&join=') > 0",)
