# Origin: taigaio/taiga-back@3bea7114007afd83478a8d6f2a70afd70d94dc21 taiga/auth/token_denylist/tasks.py:14
from taiga.celery import app


@app.task
def flush_expired_tokens():
    """Flushes any expired tokens in the outstanding token list."""
