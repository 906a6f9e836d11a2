using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// Debian's baresip 1.0, a real SIP softphone, run headless as one user: its own configuration folder (no audio or
/// video modules, so no sound hardware is needed), SIP on 127.0.0.1 with an ephemeral port, every request sent to
/// the server through the account's <c>outbound</c> proxy, SIP trace (<c>-s</c>) on its output, and the
/// <c>ctrl_tcp</c> module (netstring-framed JSON on 127.0.0.1) to run its commands and read their answers.
/// Disposing it kills the process and deletes the folder.
/// </summary>
public sealed partial class Baresip : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/baresip";

    private readonly Process _process;
    private readonly List<(DateTime At, string Text)> _lines = [];
    private readonly List<(DateTime At, string Text)> _events = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CommandAnswer>> _pending = new();
    private readonly string _directory;
    private TcpClient? _control;
    private Task? _controlLoop;
    private int _token;

    private Baresip(Process process, string directory, string aor)
    {
        _process = process;
        _directory = directory;
        Aor = aor;
    }

    public static bool IsInstalled => File.Exists(ExecutablePath);

    public string Aor { get; }

    /// <summary>
    /// Everything baresip printed so far and the events its control interface sent, colour codes removed, each
    /// line with the (UTC) time it came.
    /// </summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines.Concat(_events).OrderBy(l => l.At)
                    .Select(l => l.At.ToString("HH:mm:ss.fff ", CultureInfo.InvariantCulture) + StripColours(l.Text)));
            }
        }
    }

    /// <summary>The lines baresip printed, colour codes removed (SIP trace included).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
                return _lines.Select(l => StripColours(l.Text)).ToList();
        }
    }

    /// <summary>
    /// Starts baresip as <c>sip:{user}@{domain}</c>, answering the server's digest challenges with
    /// <paramref name="password"/> (<c>auth_pass</c>),
    /// registering every <paramref name="regint"/> seconds and publishing with Expires <paramref name="pubint"/>,
    /// and subscribing (<c>;presence=p2p</c>) to each of <paramref name="contacts"/> (display name, AOR).
    /// Returns once its control interface answers.
    /// </summary>
    public static async Task<Baresip> StartAsync(
        int serverPort, string user, string password, IEnumerable<(string Name, string Aor)> contacts, int regint = 60, int pubint = 60,
        string domain = "example.com")
    {
        if (!IsInstalled)
            throw new InvalidOperationException("baresip is not installed; ./test.sh installs it (apt-get install baresip).");
        string directory = Directory.CreateTempSubdirectory("baresip-").FullName;
        int controlPort = ServerProcess.FreePort("127.0.0.1");
        string aor = $"sip:{user}@{domain}";
        string inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

        // Only what the test needs: account (reads "accounts", then unloads), contact ("contacts" file and command),
        // presence (PUBLISH, SUBSCRIBE to ;presence=p2p contacts, presence_online/presence_offline commands) and
        // ctrl_tcp. No audio/video modules: no codecs, no devices. Port 0: baresip picks free UDP/TCP/TLS ports.
        // dns_server on loopback: nothing here needs DNS (the outbound proxy is an address), and nothing may leave.
        await File.WriteAllTextAsync(Path.Combine(directory, "config"), inv($"""
            poll_method epoll
            sip_listen 127.0.0.1:0
            dns_server 127.0.0.1:53
            module_path /usr/lib/baresip/modules
            module_tmp account.so
            module_app contact.so
            module_app presence.so
            module_app ctrl_tcp.so
            ctrl_tcp_listen 127.0.0.1:{controlPort}

            """));
        await File.WriteAllTextAsync(Path.Combine(directory, "accounts"), inv($"""
            "{user}" <{aor}>;outbound="sip:127.0.0.1:{serverPort};transport=udp";auth_pass={password};regint={regint};pubint={pubint};mwi=no;answermode=manual

            """));
        await File.WriteAllTextAsync(Path.Combine(directory, "contacts"),
            string.Concat(contacts.Select(c => $"\"{c.Name}\" <{c.Aor}>;presence=p2p\n")));

        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (string a in new[] { "-f", directory, "-s" })
            start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        var baresip = new Baresip(process, directory, aor);
        process.OutputDataReceived += (_, e) => baresip.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => baresip.OnLine(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await baresip.WaitForLineAsync(l => l == "baresip is ready.", TimeSpan.FromSeconds(5), "baresip is ready.");
            await baresip.ConnectControlAsync(controlPort);
        }
        catch
        {
            await baresip.DisposeAsync();
            throw;
        }
        return baresip;
    }

    /// <summary>Runs a baresip command (as typed after '/' in its menu) through ctrl_tcp and returns its output.</summary>
    public async Task<string> CommandAsync(string command, string? parameters = null)
    {
        string token = "t" + Interlocked.Increment(ref _token).ToString(CultureInfo.InvariantCulture);
        var request = new Dictionary<string, string> { ["command"] = command, ["token"] = token };
        if (parameters is not null)
            request["params"] = parameters;
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(request);
        byte[] frame = [.. Encoding.ASCII.GetBytes(json.Length.ToString(CultureInfo.InvariantCulture) + ":"), .. json, (byte)','];
        var answer = new TaskCompletionSource<CommandAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[token] = answer;
        await _control!.GetStream().WriteAsync(frame);
        try
        {
            CommandAnswer result = await answer.Task.WaitAsync(TimeSpan.FromSeconds(3));
            if (!result.Ok)
                throw new InvalidOperationException($"baresip command '{command}' failed: {result.Data}");
            return StripColours(result.Data);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"baresip did not answer the command '{command}' within 3 s:\n{Output}");
        }
        finally
        {
            _pending.TryRemove(token, out _);
        }
    }

    /// <summary>
    /// The status baresip shows for a contact in its <c>contacts</c> listing: Unknown, Online, Offline or Busy
    /// (baresip 1.0's names for its presence states), or null when the contact is not listed.
    /// </summary>
    public async Task<string?> ContactStatusAsync(string aor)
    {
        string listing = await CommandAsync("contacts");
        foreach (string line in listing.Split('\n'))
        {
            Match m = ContactLine().Match(line);
            if (m.Success && m.Groups["aor"].Value == aor)
                return m.Groups["status"].Value;
        }
        return null;
    }

    /// <summary>Asks for the contacts listing until the contact shows <paramref name="status"/>.</summary>
    public async Task WaitForContactStatusAsync(string aor, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? seen;
        while ((seen = await ContactStatusAsync(aor)) != status)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"baresip shows {aor} as '{seen}', not '{status}', after {timeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>How many lines baresip has printed: a mark for <see cref="WaitForLineAsync"/>.</summary>
    public int LineCount
    {
        get
        {
            lock (_lines)
                return _lines.Count;
        }
    }

    /// <summary>
    /// Waits for a line (colour codes removed), printed after the first <paramref name="after"/> lines, that
    /// satisfies <paramref name="match"/>, and returns it.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what, int after = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string? found = Lines.Skip(after).FirstOrDefault(match);
            if (found is not null)
                return found;
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new TimeoutException($"baresip did not print '{what}' within {timeout.TotalSeconds} s (exited: {_process.HasExited}):\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>The line baresip prints when a watched contact changes (it stays silent about the first status).</summary>
    public static string ChangedStatusLine(string aor, string from, string to) => $"<{aor}> changed status from {from} to {to}";

    /// <summary>
    /// The SIP messages of baresip's trace (<c>-s</c>), in order: the direction line ("UDP a -> b") and the message.
    /// </summary>
    public IReadOnlyList<(string Direction, string Message)> SipTrace()
    {
        List<string> raw;
        lock (_lines)
            raw = _lines.Select(l => l.Text).ToList();
        var messages = new List<(string, string)>();
        for (int i = 0; i < raw.Count; i++)
        {
            // A traced message: "ESC[36;1m#", the direction, the message lines, then "ESC[;m" alone.
            if (StripColours(raw[i]) != "#" || i + 1 >= raw.Count)
                continue;
            string direction = raw[i + 1];
            var text = new StringBuilder();
            int j = i + 2;
            for (; j < raw.Count && raw[j] != "\u001b[;m"; j++)
                text.Append(raw[j].TrimEnd('\r')).Append('\n');
            messages.Add((direction, text.ToString()));
            i = j;
        }
        return messages;
    }

    /// <summary>The SIP responses baresip received to its requests of <paramref name="method"/>.</summary>
    public IReadOnlyList<string> ResponsesTo(string method) =>
        SipTrace()
            .Where(m => m.Message.StartsWith("SIP/2.0 ", StringComparison.Ordinal)
                && Regex.IsMatch(m.Message, $@"^CSeq: *\d+ {method}$", RegexOptions.Multiline))
            .Select(m => m.Message)
            .ToList();

    /// <summary>The requests of <paramref name="method"/> baresip sent.</summary>
    public IReadOnlyList<string> RequestsSent(string method) =>
        SipTrace().Where(m => m.Message.StartsWith(method + " ", StringComparison.Ordinal)).Select(m => m.Message).ToList();

    /// <summary>
    /// Sends SIGTERM, as a user quitting would: baresip removes its publication, ends its subscriptions and
    /// unregisters before it exits. Returns its exit code.
    /// </summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"baresip did not exit within {timeout.TotalSeconds} s of SIGTERM:\n{Output}");
        }
        return _process.ExitCode;
    }

    private async Task ConnectControlAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var client = new TcpClient(AddressFamily.InterNetwork);
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                _control = client;
                _controlLoop = Task.Run(ReadControlAsync);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                client.Dispose();
                await Task.Delay(50);
            }
        }
    }

    // ctrl_tcp frames every message as a netstring ("<length>:<json>,"): answers carry the command's token, and
    // events ({"event":true,...}) come in between.
    private async Task ReadControlAsync()
    {
        var stream = _control!.GetStream();
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        try
        {
            while (true)
            {
                int n = await stream.ReadAsync(chunk);
                if (n == 0)
                    return;
                buffer.AddRange(chunk.AsSpan(0, n));
                while (TryTakeNetstring(buffer, out byte[] payload))
                    OnControlMessage(payload);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or JsonException or FormatException)
        {
        }
    }

    private static bool TryTakeNetstring(List<byte> buffer, out byte[] payload)
    {
        payload = [];
        int colon = buffer.IndexOf((byte)':');
        if (colon < 0)
            return false;
        int length = int.Parse(Encoding.ASCII.GetString(buffer.GetRange(0, colon).ToArray()), CultureInfo.InvariantCulture);
        if (buffer.Count < colon + 1 + length + 1)
            return false;
        payload = buffer.GetRange(colon + 1, length).ToArray();
        buffer.RemoveRange(0, colon + 1 + length + 1);
        return true;
    }

    private void OnControlMessage(byte[] payload)
    {
        using var json = JsonDocument.Parse(payload);
        JsonElement root = json.RootElement;
        if (root.TryGetProperty("response", out _) && root.TryGetProperty("token", out JsonElement token)
            && _pending.TryGetValue(token.GetString() ?? string.Empty, out var answer))
        {
            bool ok = root.TryGetProperty("ok", out JsonElement okElement) && okElement.GetBoolean();
            string data = root.TryGetProperty("data", out JsonElement d) ? d.GetString() ?? string.Empty : string.Empty;
            answer.TrySetResult(new CommandAnswer(ok, data));
        }
        else
        {
            lock (_lines)
                _events.Add((DateTime.UtcNow, "ctrl_tcp event: " + Encoding.UTF8.GetString(payload)));
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_lines)
            _lines.Add((DateTime.UtcNow, line));
    }

    private static string StripColours(string text) => Colour().Replace(text, string.Empty);

    [GeneratedRegex(@"\u001b\[[0-9;]*m")]
    private static partial Regex Colour();

    // "\n--- Contacts (1) ---\n>     Offline Alice <sip:alice@example.com>\n" ('>' marks the current contact).
    [GeneratedRegex(@"^\s*>?\s*(?<status>Unknown|Online|Offline|Busy)\s+.*<(?<aor>[^>]+)>\s*$")]
    private static partial Regex ContactLine();

    private sealed record CommandAnswer(bool Ok, string Data);

    public async ValueTask DisposeAsync()
    {
        _control?.Dispose();
        if (_controlLoop is not null)
            await _controlLoop;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
