"""Make an author account. In the Terminal tab: python create_user.py"""

import getpass
import sys

from models import User, create_tables
from passwords import hash_password
from peewee import IntegrityError


def main():
    create_tables()
    username = input("Username: ").strip()
    password = getpass.getpass("Password (nothing shows as you type): ")
    if not username or len(password) < 8:
        sys.exit("Please give a username and a password of at least 8 characters.")
    try:
        User.create(username=username, password_hash=hash_password(password))
    except IntegrityError:
        sys.exit(f"There is already an author called {username}: pick another name.")
    print(f"Author {username} is ready. Log in at /login.")


if __name__ == "__main__":
    main()
