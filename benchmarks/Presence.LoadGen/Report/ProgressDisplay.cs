using System.Diagnostics;
using System.Globalization;
using Presence.LoadGen.Workloads;
using Spectre.Console;

namespace Presence.LoadGen.Report;

/// <summary>
/// Shows the run as it goes: a live table on a terminal (Spectre.Console), or a plain line every two seconds when
/// the output goes to a file or a pipe. Reads the counters only; the run never waits for it.
/// </summary>
internal sealed class ProgressDisplay : IAsyncDisposable
{
    private readonly LoadContext _context;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _lastMatched;
    private TimeSpan _lastAt;

    private ProgressDisplay(LoadContext context, ProgressMode mode)
    {
        _context = context;
        _loop = mode switch
        {
            ProgressMode.Live => Task.Run(LiveAsync),
            ProgressMode.Plain => Task.Run(PlainAsync),
            _ => Task.CompletedTask,
        };
    }

    public static ProgressDisplay Start(LoadContext context, ProgressMode mode)
    {
        if (mode == ProgressMode.Auto)
            mode = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive ? ProgressMode.Live : ProgressMode.Plain;
        return new ProgressDisplay(context, mode);
    }

    private async Task LiveAsync()
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (name, value) in Rows())
            table.AddRow(name, value);
        await AnsiConsole.Live(table).AutoClear(false).StartAsync(async live =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
                int row = 0;
                foreach (var (_, value) in Rows())
                    table.UpdateCell(row++, 1, Markup.Escape(value));
                live.Refresh();
            }
        }).ConfigureAwait(false);
    }

    private async Task PlainAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            if (_stop.IsCancellationRequested)
                break;
            Console.WriteLine(string.Join("  ", Rows().Select(r => r.Name + " " + r.Value)));
        }
    }

    private List<(string Name, string Value)> Rows()
    {
        var tracker = _context.Tracker;
        TimeSpan now = _clock.Elapsed;
        long matched = tracker.Overall.Matched;
        double rate = now > _lastAt ? (matched - _lastMatched) / (now - _lastAt).TotalSeconds : 0;
        _lastMatched = matched;
        _lastAt = now;
        var latency = tracker.Overall.ChangeToNotify;
        var setup = _context.SetupStats;
        var run = _context.RunStats;
        return
        [
            ("phase", _context.Phase),
            ("elapsed", now.ToString(@"m\:ss", CultureInfo.InvariantCulture)),
            ("setup requests ok/sent", $"{setup.Succeeded:N0}/{setup.Sent:N0}"),
            ("changes sent", $"{run.Sent:N0}"),
            ("NOTIFYs matched/expected", $"{matched:N0}/{tracker.Overall.Expected:N0}"),
            ("NOTIFYs per second", rate.ToString("N0", CultureInfo.InvariantCulture)),
            ("change→NOTIFY p50 / p99 ms", $"{latency.Percentile(0.5) / 1000:0.0} / {latency.Percentile(0.99) / 1000:0.0}"),
            ("failed requests", $"{setup.Failures + run.Failures:N0}"),
            ("skipped", $"{_context.Skipped:N0}"),
        ];
    }

    private async Task Delay(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
