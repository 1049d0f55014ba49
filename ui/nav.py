"""The lessons that are built, in teaching order: (script, title key, icon, URL path). app.py lists these;
the browser test loads every one."""

LESSONS = (
    ("views/home.py", "nav.home", "🏠", "home"),
    ("views/mappings.py", "nav.mappings", "🔀", "mappings"),
    ("views/counting.py", "nav.counting", "🔢", "counting"),
    ("views/gradients.py", "nav.gradients", "📉", "gradients"),
    ("views/optimizers.py", "nav.optimizers", "🧭", "optimizers"),
    ("views/lstm.py", "nav.lstm", "🧠", "lstm"),
    ("views/classroom.py", "nav.classroom", ":material/groups:", "class"),
)
