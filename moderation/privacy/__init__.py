"""What is kept about the people who comment, for how long, and how they are forgotten.

Plain functions, like the rest of the domain: they change state and never commit.
"""
