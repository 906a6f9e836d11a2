using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Presence.Grains.Tests.Storage;

/// <summary>The tests that need a real PostgreSQL share one server, started once per test run.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}

/// <summary>
/// A throwaway PostgreSQL server: a fresh cluster in a temporary directory, listening on a free port of
/// 127.0.0.1 only (its unix socket in that directory, not /var/run), removed with everything in it at the
/// end. Each test gets a database of its own from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string Superuser = "postgres";
    private const string InstallHint = "scripts/install-test-deps.sh installs postgresql";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    private string _bin = "";
    private string _directory = "";
    private string _data = "";
    private int _port;
    private NpgsqlDataSource? _admin;
    private int _databases;

    public async Task InitializeAsync()
    {
        _bin = FindBinaries();
        _directory = Directory.CreateTempSubdirectory("presence-pg-").FullName;
        _data = Path.Combine(_directory, "data");
        if (RunsAsRoot)
        {
            // PostgreSQL refuses to run as root; the server runs as the Debian package's postgres user,
            // which must own the directory it writes to.
            await RunAsync("chown", [Superuser, _directory]);
        }

        // The default collation is ICU English on purpose: it sorts 'Sip:Zed' among the lowercase keys, so
        // the conformance suite's ordinal-order tests fail unless the store's columns say COLLATE "C".
        // --no-sync: a test cluster need not survive a power cut.
        await RunServerToolAsync(
            "initdb", "-D", _data, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C",
            "--locale-provider=icu", "--icu-locale=en", "--no-sync", "--no-instructions");

        // The free port is found by binding and letting go, so another process may take it in between;
        // a start that fails on that is tried again on a new port.
        for (var attempt = 1; ; attempt++)
        {
            _port = FreePort();
            try
            {
                await StartAsync();
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }

        _admin = NpgsqlDataSource.Create(ConnectionString("postgres"));
    }

    /// <summary>Creates an empty database; returns its name and a connection string for it.</summary>
    public async Task<(string Name, string ConnectionString)> CreateDatabaseAsync()
    {
        var name = $"test_{Interlocked.Increment(ref _databases)}";
        await using var command = Admin.CreateCommand($"CREATE DATABASE {name}");
        await command.ExecuteNonQueryAsync();
        return (name, ConnectionString(name));
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, ending any session still in it.</summary>
    public async Task DropDatabaseAsync(string name)
    {
        await using var command = Admin.CreateCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        try
        {
            if (File.Exists(Path.Combine(_data, "postmaster.pid")))
            {
                await RunServerToolAsync("pg_ctl", "stop", "-D", _data, "-m", "fast", "-w", "-t", "30");
            }
        }
        finally
        {
            if (_directory.Length > 0)
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }

    private NpgsqlDataSource Admin => _admin ?? throw new InvalidOperationException("The PostgreSQL server has not started.");

    private static bool RunsAsRoot => Environment.UserName == "root";

    private string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = _port,
            Username = Superuser,
            Database = database,
        }.ConnectionString;

    private async Task StartAsync()
    {
        // fsync and full-page writes off: the server dies with the test run, and on a shared two-core
        // machine every commit's flush would cost more than the tests. Commits still wait for the WAL write,
        // so the store's code path is the production one.
        var options = string.Join(
            ' ',
            "-c listen_addresses=127.0.0.1",
            $"-p {_port}",
            $"-k '{_directory}'",
            "-c fsync=off",
            "-c full_page_writes=off");
        var log = Path.Combine(_directory, "server.log");
        try
        {
            await RunServerToolAsync("pg_ctl", "start", "-D", _data, "-w", "-t", "30", "-l", log, "-o", options);
        }
        catch (InvalidOperationException exception) when (File.Exists(log))
        {
            throw new InvalidOperationException($"{exception.Message}\nServer log:\n{await File.ReadAllTextAsync(log)}", exception);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task RunServerToolAsync(string tool, params string[] arguments)
    {
        var path = Path.Combine(_bin, tool);
        return RunsAsRoot ? RunAsync("runuser", ["-u", Superuser, "--", path, .. arguments]) : RunAsync(path, arguments);
    }

    /// <summary>The newest PostgreSQL's server programs: Debian's versioned directory, or the PATH.</summary>
    private static string FindBinaries()
    {
        const string Debian = "/usr/lib/postgresql";
        var versioned = Directory.Exists(Debian)
            ? Directory.GetDirectories(Debian)
                .Select(directory => Path.Combine(directory, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0)
            : Enumerable.Empty<string>();
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(directory => File.Exists(Path.Combine(directory, "initdb")));
        return versioned.Concat(onPath).FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"PostgreSQL's server programs (initdb, pg_ctl) are not installed: none in {Debian}/*/bin nor on the PATH. {InstallHint}.");
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var command = $"{file} {string.Join(' ', arguments)}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start `{command}`. {InstallHint}.");
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var deadline = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            // Bounded too: a daemon that kept the pipes open would otherwise hold the read forever.
            await output.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{command}` did not finish within {StepTimeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            var (stdout, stderr) = (output.Result[0], output.Result[1]);
            throw new InvalidOperationException($"`{command}` exited with code {process.ExitCode}:\n{stdout}{stderr}");
        }
    }
}
