"""Every place a grade goes, each written from the same ClassReport: a gradebook CSV, JUnit XML,
Markdown feedback per student, Gradescope's results.json and GitHub Classroom's step output."""
