using Presence.Cli;

return await Presencectl.RunAsync(args, CliConsole.System(), Environment.GetEnvironmentVariable, handleSignals: true);
