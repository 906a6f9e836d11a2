#!/usr/bin/env python3
"""Activates seeded users in a running server by reading each one's presence over the HTTP API (a read activates the
user's grain from the store). activate.py PORT TOKEN RUN_ID USERS THREADS [SHARD SHARDS]: this process takes the users
i with i % SHARDS == SHARD. Used by benchmarks/memory-server.sh."""
import http.client, socket, sys, threading, time
port, token, run_id, users, threads = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
shard, shards = (int(sys.argv[6]), int(sys.argv[7])) if len(sys.argv) > 7 else (0, 1)
failures = [0]; done = [0]; lock = threading.Lock()
def worker(t):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.connect(); c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(shard + t * shards, users, threads * shards):
        c.request("GET", f"/api/users/{run_id}-u{i}@loadgen.test/presence", headers={"Authorization": "Bearer " + token})
        r = c.getresponse(); body = r.read()
        if r.status != 200:
            with lock:
                failures[0] += 1
                if failures[0] < 3: print(r.status, body[:300], file=sys.stderr)
        with lock: done[0] += 1
start = time.time()
ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
[t.start() for t in ts]
last = start
while any(t.is_alive() for t in ts):
    time.sleep(0.2)
    if time.time() - last >= 30:
        last = time.time()
        print(f"shard {shard}: {done[0]:,} activated in {last - start:.0f} s", file=sys.stderr)
print(f"activated {done[0]:,} users in {time.time()-start:.0f} s, {failures[0]} failures")
