using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// A SIP user agent on Perl's Net::SIP (Debian's libnet-sip-perl): an independent SIP stack, driven line by line
/// through tests/tools/sip-client.pl. Commands answer with one RESPONSE line; NOTIFYs arrive as NOTIFY lines.
/// </summary>
public sealed class PerlSipClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _responses = Channel.CreateUnbounded<string>();
    private readonly Channel<Notification> _notifies = Channel.CreateUnbounded<Notification>();
    private readonly Channel<ListNotification> _listNotifies = Channel.CreateUnbounded<ListNotification>();
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PerlSipClient(Process process) => _process = process;

    /// <summary>What the client printed, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public static async Task<PerlSipClient> StartAsync(int serverPort, string transport = "udp")
    {
        string script = Path.Combine(Repository.Root, "tests", "tools", "sip-client.pl");
        var start = new ProcessStartInfo("perl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { script, "--server", $"127.0.0.1:{serverPort}", "--local", "127.0.0.1:0", "--transport", transport })
            start.ArgumentList.Add(a);
        var client = new PerlSipClient(Process.Start(start)!);
        client._process.OutputDataReceived += (_, e) => client.OnLine(e.Data);
        client._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (client._log)
                    client._log.AppendLine("stderr: " + e.Data);
        };
        client._process.BeginOutputReadLine();
        client._process.BeginErrorReadLine();
        await client._ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return client;
    }

    /// <summary>Sends one command and returns its RESPONSE line split into words (after "RESPONSE &lt;cmd&gt;").</summary>
    public async Task<Response> SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        string line = await _responses.Reader.ReadAsync(cts.Token);
        return Response.Parse(line);
    }

    public async Task<Notification> NextNotifyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _notifies.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No NOTIFY arrived. Client log:\n" + Log);
        }
    }

    /// <summary>The next resource list NOTIFY, as the Perl client took it apart.</summary>
    public async Task<ListNotification> NextListNotifyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _listNotifies.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No list NOTIFY arrived. Client log:\n" + Log);
        }
    }

    public async Task<bool> NoNotifyWithinAsync(TimeSpan wait)
    {
        await Task.Delay(wait);
        return !_notifies.Reader.TryPeek(out _);
    }

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
        if (line.StartsWith("READY ", StringComparison.Ordinal))
            _ready.TrySetResult(line[6..]);
        else if (line.StartsWith("RESPONSE ", StringComparison.Ordinal) || line.StartsWith("ERROR ", StringComparison.Ordinal))
            _responses.Writer.TryWrite(line);
        else if (line.StartsWith("NOTIFY ", StringComparison.Ordinal))
            _notifies.Writer.TryWrite(Notification.Parse(line));
        else if (line.StartsWith("LISTNOTIFY ", StringComparison.Ordinal))
            _listNotifies.Writer.TryWrite(ListNotification.Parse(line));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await _process.StandardInput.WriteLineAsync("quit");
                await _process.StandardInput.FlushAsync();
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(3)).Token);
            }
            catch (Exception)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    /// <summary>"RESPONSE publish 200 etag=abc expires=600 reason=OK" → Code 200, Fields[etag]=abc, ...</summary>
    public sealed record Response(string Command, int Code, IReadOnlyDictionary<string, string> Fields, string Line)
    {
        public string this[string field] => Fields.TryGetValue(field, out var v) ? v : throw new KeyNotFoundException($"'{field}' not in: {Line}");

        public static Response Parse(string line)
        {
            string[] words = line.Split(' ');
            if (words[0] == "ERROR" || words.Length < 3)
                throw new InvalidOperationException("The SIP client said: " + line);
            int code = int.TryParse(words[2], out int c) ? c : 0;
            var fields = words.Skip(3).Select(w => w.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            return new Response(words[1], code, fields, line);
        }
    }

    /// <summary>"NOTIFY sip:alice@example.com cseq=3 state=active;expires=597 extended=busy basic=open note=- callid=...
    /// dialogs=early version=1"; <see cref="Dialogs"/> and <see cref="Version"/> are "-" unless the body is dialog-info.</summary>
    public sealed record Notification(string Presentity, long CSeq, string State, string Extended, string Basic, string? Note, string CallId)
    {
        public string Dialogs { get; init; } = "-";

        public string Version { get; init; } = "-";

        public static Notification Parse(string line)
        {
            var fields = line.Split(' ').Skip(2).Select(w => w.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            string note = fields["note"];
            return new Notification(
                line.Split(' ')[1], long.Parse(fields["cseq"], System.Globalization.CultureInfo.InvariantCulture), fields["state"],
                fields["extended"], fields["basic"], note == "-" ? null : Encoding.UTF8.GetString(Convert.FromBase64String(note)), fields["callid"])
            {
                Dialogs = fields.GetValueOrDefault("dialogs", "-"),
                Version = fields.GetValueOrDefault("version", "-"),
            };
        }
    }

    /// <summary>"LISTNOTIFY sip:alice+buddies@example.com cseq=2 state=active;expires=597 callid=... version=1 full=false errors=0
    /// resources=sip:bob@example.com!active!-!available!open,..."</summary>
    public sealed record ListNotification(string List, long CSeq, string State, long Version, bool Full, int Errors, IReadOnlyList<ListResource> Resources)
    {
        public ListResource this[string uri] => Resources.Single(r => r.Uri == uri);

        public static ListNotification Parse(string line)
        {
            var fields = line.Split(' ').Skip(2).Select(w => w.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            var resources = fields["resources"] == "-" ? [] : fields["resources"].Split(',').Select(r =>
            {
                string[] f = r.Split('!');
                return new ListResource(f[0], f[1], f[2] == "-" ? null : f[2], f[3], f[4]);
            }).ToList();
            return new ListNotification(
                line.Split(' ')[1], long.Parse(fields["cseq"], System.Globalization.CultureInfo.InvariantCulture), fields["state"],
                long.Parse(fields["version"], System.Globalization.CultureInfo.InvariantCulture), fields["full"] == "true",
                int.Parse(fields["errors"], System.Globalization.CultureInfo.InvariantCulture), resources);
        }
    }

    /// <summary>One resource of a list NOTIFY: its instance's state (and reason), and its document's extended status and basic
    /// ("-" when the NOTIFY carried no document for it).</summary>
    public sealed record ListResource(string Uri, string State, string? Reason, string Extended, string Basic);
}
