using BenchmarkDotNet.Running;

namespace Presence.Core.Benchmarks;

public static class Program
{
    // Run with: dotnet run -c Release --project benchmarks/Presence.Core.Benchmarks -- --filter '*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
