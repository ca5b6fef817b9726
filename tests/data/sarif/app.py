import datetime
import os


def handler(event):
    try:
        return int(event["n"])
    except Exception:
        pass


def stamp():
    return datetime.datetime.utcnow()


API_KEY = os.environ.get("API_KEY")
