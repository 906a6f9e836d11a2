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
            await SeedAsync(target);
            await ClosedLoop.RunAsync(target, Math.Min(16, grains), options.Items, options.Warmup, options.MaxWrites, ct);
            foreach (var concurrency in options.Concurrency)
            {
                var step = await ClosedLoop.RunAsync(target, concurrency, options.Items, options.Duration, options.MaxWrites, ct);
                report.Add(step);
                Console.WriteLine(Report.Row(step));
            }

            report.Writes(target.Name, target.Writes);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
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
async Task SeedAsync(StorageTarget target)
{
    GrainWriter? sample = null;
    await Parallel.ForEachAsync(Enumerable.Range(0, grains), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
        async (grain, _) =>
        {
            var writer = target.CreateWriter(grain, options.Items);
            await writer.ReadAsync();
            await writer.SeedAsync();
            if (grain == 0)
            {
                sample = writer;
            }
        });
    target.Seeded(sample!);
}
