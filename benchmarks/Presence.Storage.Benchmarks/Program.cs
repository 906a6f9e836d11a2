using System.Globalization;
using Presence.Storage.Benchmarks;

// Our grain storage against Orleans' Persistence.AdoNet, side by side in one run (BenchOptions.Usage).
var options = BenchOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine(string.IsNullOrEmpty(error) ? BenchOptions.Usage : $"{error}\n\n{BenchOptions.Usage}");
    return string.IsNullOrEmpty(error) ? 0 : 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var ct = stop.Token;

var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
var root = Machine.RepositoryRoot();
var outPath = options.Out ?? Path.Combine(root ?? ".", "benchmarks", "results", $"{date}-storage.md");
var command = options.Command ?? "dotnet Presence.Storage.Benchmarks.dll " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
var report = new Report(options, command, date)
{
    Machine = Machine.Describe(),
    Commit = Machine.GitCommit(root ?? AppContext.BaseDirectory),
    LoadBefore = Machine.LoadAverage(),
};
var server = options.Postgres is null ? null : new PostgresServer(options.Postgres);
if (server is not null)
{
    report.Postgres = await server.DescribeAsync(ct);
}

var grains = options.Concurrency.Max();
var work = Directory.CreateTempSubdirectory("storage-bench-");
Console.WriteLine($"{report.Machine}; load {report.LoadBefore}");
Console.WriteLine(Report.Header());
try
{
    foreach (var name in options.Targets)
    {
        if (ct.IsCancellationRequested)
        {
            break;
        }

        try
        {
            await using var target = await StartAsync(name);
            var acknowledged = new long[grains];
            await SeedAsync(target, acknowledged);
            await ClosedLoop.RunAsync(target, Math.Min(16, grains), options.Items, options.Warmup, options.MaxWrites, acknowledged, ct);
            foreach (var concurrency in options.Concurrency)
            {
                var step = await ClosedLoop.RunAsync(target, concurrency, options.Items, options.Duration, options.MaxWrites, acknowledged, ct);
                report.Add(step);
                Console.WriteLine(Report.Row(step));
            }

            report.Writes(target.Name, target.Writes);
            report.Checked(target.Name, await CheckAsync(target, acknowledged));
            report.Raced(target.Name, await FirstWriteRace.RunAsync(target, firstGrain: 100_000, grains: 100, options.Items));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            report.Failed(name, "interrupted");
            break;
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine($"{name} failed: {exception}");
            report.Failed(name, exception.Message);
        }
    }
}
finally
{
    work.Delete(recursive: true);
}

report.LoadAfter = Machine.LoadAverage();
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
await File.WriteAllTextAsync(outPath, report.Markdown(), CancellationToken.None);
Console.WriteLine();
Console.WriteLine(report.Markdown());
Console.WriteLine($"Written: {outPath}");
return ct.IsCancellationRequested ? 130 : report.HasFailures ? 1 : 0;

async Task<StorageTarget> StartAsync(string name) => name switch
{
    "ours-sqlite" => await ItemTarget.SqliteAsync(work.FullName, ct),
    "ours-postgres" => await ItemTarget.PostgresAsync(server!, ct),
    "adonet-postgres" => await AdoNetTarget.PostgresAsync(server!, ct),
    "adonet-sqlite" => await AdoNetTarget.SqliteAsync(work.FullName, ct),
    _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown target"),
};

// Every grain the steps use gets its subscriptions first, so each write lands on a grain of realistic size.
async Task SeedAsync(StorageTarget target, long[] acknowledged)
{
    GrainWriter? sample = null;
    await Parallel.ForEachAsync(Enumerable.Range(0, grains), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
        async (grain, _) =>
        {
            var writer = target.CreateWriter(grain, options.Items);
            await writer.ReadAsync();
            await writer.SeedAsync();
            acknowledged[grain] = 1;
            if (grain == 0)
            {
                sample = writer;
            }
        });
    target.Seeded(sample!);
}

// Both providers start a grain at version 1 and add one per write, so after the run each grain's stored version must
// be the writes it was told succeeded: none lost, none applied behind a failure.
async Task<string> CheckAsync(StorageTarget target, long[] acknowledged)
{
    var differ = new List<string>();
    for (var grain = 0; grain < grains; grain++)
    {
        var reader = target.CreateWriter(grain, options.Items);
        await reader.ReadAsync();
        if (reader.StoredVersion != acknowledged[grain])
        {
            differ.Add($"{reader.GrainId} at {reader.StoredVersion}, {acknowledged[grain]} acknowledged");
        }
    }

    return differ.Count == 0
        ? $"all {grains} grains' stored versions equal the writes acknowledged ({acknowledged.Sum():N0})"
        : $"{differ.Count} of {grains} grains' stored versions differ from the writes acknowledged: {string.Join("; ", differ.Take(5))}";
}
