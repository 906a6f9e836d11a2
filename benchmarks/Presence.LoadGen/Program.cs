using Presence.LoadGen;
using Presence.LoadGen.Cli;
using Presence.LoadGen.Report;

// "lists": buddy lists with one subscription against a subscription per buddy (issue 15), its own small runner.
if (args.Length > 0 && args[0] == "lists")
{
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    return await Presence.LoadGen.Lists.ListBench.MainAsync(args[1..], stop.Token);
}

var parsed = CommandLine.Parse(args);
if (parsed.Help)
{
    Console.WriteLine(HelpText.Text);
    return 0;
}
if (parsed.Error is not null)
{
    Console.Error.WriteLine(parsed.Error);
    return 2;
}

// Ctrl+C ends the measured phase early; the results of what ran are still written.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

if (parsed.SeedOnly)
{
    try
    {
        var seeded = await Presence.LoadGen.Seeding.StoreSeeder.SeedAsync(parsed.Options!, Console.Error.WriteLine, interrupted.Token);
        Console.WriteLine($"Seeded {seeded.Users:N0} users, {seeded.Subscriptions:N0} subscriptions ({seeded.Rows:N0} rows, "
            + $"{seeded.FileBytes / 1048576.0:N0} MiB) in {seeded.Elapsed.TotalSeconds:F0} s.");
        return 0;
    }
    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine("Interrupted: the store is incomplete, delete it.");
        return 130;
    }
}

RunResult result;
try
{
    result = await LoadRun.RunAsync(parsed.Options!, interrupted.Token);
}
catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Interrupted before the measured phase began.");
    return 2;
}

Console.WriteLine();
Console.WriteLine(ResultFiles.ToMarkdown(result));
if (parsed.Options!.OutputDirectory is { } directory)
{
    var (json, markdown) = ResultFiles.Write(result, directory);
    Console.WriteLine($"Results: {json}, {markdown}");
}
return result.Passed ? 0 : 1;
