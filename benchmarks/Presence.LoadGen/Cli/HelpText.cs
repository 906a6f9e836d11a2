namespace Presence.LoadGen.Cli;

/// <summary>The --help text: every workload and option with its default.</summary>
public static class HelpText
{
    public const string Text = """
        Presence.LoadGen: SIP load for the Presence.Orleans server (loopback only).

        Usage:
          dotnet run -c Release --project benchmarks/Presence.LoadGen -- WORKLOAD [options]

        Workloads:
          register    N users REGISTER once each; k watchers per user (subscribed first) time REGISTER -> NOTIFY.
                      Defaults: --users 1000 --watchers 1, closed loop --concurrency 50.
          subscribe   N users subscribe to each other, k watchers each; times SUBSCRIBE -> first NOTIFY.
                      Defaults: --users 500 --watchers 10, closed loop --concurrency 50.
          steady      Skype for Business model: 40-80 contacts per user, 4 PUBLISH per user per hour of ~4 KB,
                      the hour compressed by --speedup. Defaults: --users 300 --speedup 60, open loop at
                      users x 4 / 3600 x speedup PUBLISH/s (20/s).
          fanout      PUBLISH in turn to presentities with --watchers 1,10,40,200 watchers (--presentities 4 of
                      each size); latency per fan-out size. Default: open loop --rate 20.
          seeded      the same model in real time at full scale on a store written beforehand by `seed` (same
                      --users --watchers --run-id --seed --local --local-port): no SUBSCRIBE storm; each PUBLISH
                      finds its user on disk. Defaults: --users 1000 --watchers 40 --speedup 1 --local-port 15070.
          seed        writes a seeded run's users and subscriptions into --store FILE (a new SQLite file, the
                      server's Presence:DatabasePath), then exits; start the server on it afterwards.

        Target (loopback only: 127.0.0.0/8 or ::1; anything else is refused):
          --server ADDR[:PORT]     the server (127.0.0.1:5060)
          --transport udp|tcp|ws   (udp; ws: --server is the Sip:WebSocket:Port, one WebSocket per --users-per-socket users)
          --local ADDR             the first socket's address (127.0.0.1; ::1 for an IPv6 server)
          --local-addresses N      sockets spread over N loopback addresses from --local (one per socket on
                                   IPv4, as distinct clients; 1 on IPv6). TCP connects from 127.0.0.1 always.
          --local-port P           every socket binds port P on its own address (seeded: 15070; else any)
          --users-per-socket N     simulated users sharing a socket (100)
          --max-sockets N          at most this many sockets or connections (UDP 512, TCP 60: the server keeps
                                   64 connections per address unless --Sip:MaxConnectionsPerAddress=0)

        Pace (every loop stops by itself: at --duration, or --count, whichever is first):
          --rate R                 open loop: R changes started per second, whatever the server's pace
          --concurrency C          closed loop: C changes in flight, each awaited to its last NOTIFY
          --duration T             measured phase length (30s); T as 500ms, 30s, 2m, 1h
          --count N                most changes (storms: one per user or per subscription)
          --warmup T               changes of the first T are checked but left out of the latencies (0)
          --max-in-flight N        open loop: beyond this many in flight, changes are skipped (20000)
          --notify-timeout T       wait this long for owed NOTIFYs after the last change; what is still owed
                                   then is missing (10s)
          --setup-concurrency N    SUBSCRIBEs in flight while watchers are set up (100)
          --setup-timeout T        the setup's limit (5m)

        Workload shape:
          --users N                users (register, subscribe, steady)
          --watchers K | K1,K2,..  watchers per user (register, subscribe); sizes to compare (fanout)
          --presentities P         fanout: presentities of each size (4)
          --contacts MIN-MAX       steady: contact list size (40-80)
          --publish-per-hour X     steady: PUBLISHes per user per hour (4)
          --speedup X              steady: model hours per real hour (60)
          --doc-size BYTES         published document size (steady 4096, otherwise minimal)
          --package presence|dialog  what is watched and published: presence (PIDF, default) or dialog
                                   (RFC 4235 dialog-info, busy-lamp fields; each change a new call, early then confirmed)
          --register-expires S     (600)   --subscribe-expires S (600; seeded 7200)   --publish-expires S (3600)
          --store FILE             seed: the SQLite file to write
          --domain NAME            users' domain (loadgen.test)
          --run-id ID              user-name prefix (random), so that runs against one server do not meet
          --seed N                 random seed for contact lists and orders (7)

        Output:
          --out DIR                write WORKLOAD-TIME.json and .md there
          --progress MODE          auto | live | plain | none (auto: live on a terminal, plain lines otherwise)

        Start the server without authentication and without its per-address rate limit (200 requests and 200
        NOTIFY answers a second per address: heavier runs exceed it even spread over addresses), with a
        database of its own:
          dotnet run -c Release --project src/Presence.Server -- --Sip:ListenAddress=127.0.0.1 \
            --Auth:Enabled=false --Sip:RateLimit:Enabled=false --Presence:DatabasePath=/tmp/lg/p.db

        Exit code: 0 when the run had no errors, 1 when it had some, 2 for bad arguments or no server.
        """;
}
