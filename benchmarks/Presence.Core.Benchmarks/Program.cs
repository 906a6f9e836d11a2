using BenchmarkDotNet.Running;

namespace Presence.Core.Benchmarks;

public static class Program
{
    // Run with: dotnet run -c Release --project benchmarks/Presence.Core.Benchmarks -- --filter '*'
    // Memory per user and subscription: dotnet run -c Release --project benchmarks/Presence.Core.Benchmarks -- memory --users N --watchers K
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "memory")
            return MemoryFootprint.Run(args);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
