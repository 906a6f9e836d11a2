using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// Debian's Radicale 3 (a CalDAV server) started by a test on 127.0.0.1 with one user and its own storage folder;
/// disposing it stops the process and deletes the folder. Its <see cref="Client"/> speaks CalDAV as the user.
/// </summary>
public sealed class Radicale : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/radicale";

    private readonly Process _process;
    private readonly string _folder;

    private Radicale(Process process, string folder, int port, string user, string password)
    {
        _process = process;
        _folder = folder;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/") };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        // Radicale's server speaks HTTP/1.0 and closes each connection: a pooled one would be reused after it closed.
        Client.DefaultRequestHeaders.ConnectionClose = true;
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public bool HasExited => _process.HasExited;

    public static async Task<Radicale> StartAsync(string user, string password)
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException("radicale is not installed; ./test.sh installs it (apt-get install radicale).");
        string folder = Directory.CreateTempSubdirectory("radicale-").FullName;
        int port = ServerProcess.FreePort("127.0.0.1");
        await File.WriteAllTextAsync(Path.Combine(folder, "users"), $"{user}:{password}\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "config"), $"""
            [server]
            hosts = 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}
            [auth]
            type = htpasswd
            htpasswd_filename = {Path.Combine(folder, "users")}
            htpasswd_encryption = plain
            [storage]
            filesystem_folder = {Path.Combine(folder, "collections")}
            [rights]
            type = owner_only
            [logging]
            level = warning
            """);
        var start = new ProcessStartInfo(ExecutablePath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(Path.Combine(folder, "config"));
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var radicale = new Radicale(process, folder, port, user, password);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = await radicale.Client.GetAsync($"/{user}/");
                return radicale;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>MKCALENDAR (RFC 4791 §5.3.1): a new calendar collection.</summary>
    public async Task MakeCalendarAsync(string path)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod("MKCALENDAR"), path));
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"MKCALENDAR {path}: {(int)response.StatusCode}");
    }

    /// <summary>PUT of one event resource (a VCALENDAR with one VEVENT).</summary>
    public async Task PutEventAsync(string path, string calendar)
    {
        using var response = await Client.PutAsync(path, new StringContent(calendar, Encoding.UTF8, "text/calendar"));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PUT {path}: {(int)response.StatusCode}");
    }

    public async Task DeleteAsync(string path)
    {
        using var response = await Client.DeleteAsync(path);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"DELETE {path}: {(int)response.StatusCode}");
    }

    private bool _disposed;

    /// <summary>Stops it (a test may, to play a source that goes away); again is nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Client.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
