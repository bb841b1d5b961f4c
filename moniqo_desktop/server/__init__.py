"""`moniqo-desktop serve`: the engine with no window, as a long-running service on a server
database (PostgreSQL), executing the commands its windows (`--connect`) queue.

service.py runs it (signals, heartbeat, the loop); executor.py carries out each command once;
notifier.py tells the windows what changed; database_url.py keeps the database URL in the
keyring.
"""
