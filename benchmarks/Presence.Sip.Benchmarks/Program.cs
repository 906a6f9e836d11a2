using BenchmarkDotNet.Running;

namespace Presence.Sip.Benchmarks;

public static class Program
{
    // Run with: dotnet run -c Release --project benchmarks/Presence.Sip.Benchmarks -- --filter '*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
