using System.Formats.Tar;
using System.IO.Compression;

namespace Presence.Sip.Tests.Torture;

/// <summary>
/// RFC 4475's torture messages, bit-exact: the RFC's Appendix A carries them as a base64 gzipped tar, kept here as
/// <c>rfc4475-archive.b64</c> (the base64 lines exactly as printed) and extracted into <c>rfc4475/*.dat</c>
/// (EXPECTATIONS.md says where the text came from and what the RFC expects of each).
/// </summary>
public static class Rfc4475Messages
{
    /// <summary>The folder holding the archive and the extracted messages, found from the test's output directory up.</summary>
    public static string Directory { get; } = Find();

    /// <summary>Every member of the RFC's archive: file name and bytes, decoded from the base64 the RFC prints.</summary>
    public static IReadOnlyDictionary<string, byte[]> FromArchive()
    {
        string base64 = string.Concat(File.ReadAllLines(Path.Combine(Directory, "rfc4475-archive.b64")).Select(l => l.Trim()));
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(base64)), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var members = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                continue;
            using var bytes = new MemoryStream();
            entry.DataStream.CopyTo(bytes);
            members[Path.GetFileName(entry.Name)] = bytes.ToArray();
        }
        return members;
    }

    /// <summary>One message as extracted into rfc4475/.</summary>
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory, "rfc4475", name + ".dat"));

    public static IEnumerable<string> Names() =>
        System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "rfc4475"), "*.dat").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Presence.Sip.Tests", "Torture");
            if (File.Exists(Path.Combine(candidate, "rfc4475-archive.b64")))
                return candidate;
        }
        throw new InvalidOperationException("tests/Presence.Sip.Tests/Torture/rfc4475-archive.b64 not found above " + AppContext.BaseDirectory);
    }
}
