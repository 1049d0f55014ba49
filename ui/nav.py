"""The lessons that are built, in teaching order: (script, title key, icon, URL path). app.py lists these;
the browser test loads every one. Icons are Streamlit's Material symbols: they need no emoji font."""

LESSONS = (
    ("views/home.py", "nav.home", ":material/home:", "home"),
    ("views/mappings.py", "nav.mappings", ":material/alt_route:", "mappings"),
    ("views/counting.py", "nav.counting", ":material/pin:", "counting"),
    ("views/gradients.py", "nav.gradients", ":material/trending_down:", "gradients"),
    ("views/optimizers.py", "nav.optimizers", ":material/explore:", "optimizers"),
    ("views/lstm.py", "nav.lstm", ":material/memory:", "lstm"),
    ("views/classroom.py", "nav.classroom", ":material/groups:", "class"),
)
