using System.CommandLine;
using System.CommandLine.Parsing;

namespace Presence.Cli;

/// <summary>
/// The options every command takes: which server, which token, and --json. The environment supplies defaults
/// (PRESENCE_SERVER, PRESENCE_TOKEN) so that a shell session sets them once; an option on the line wins.
/// </summary>
public sealed class GlobalOptions
{
    public const string DefaultServer = "http://127.0.0.1:8080";

    private readonly Func<string, string?> _environment;

    public GlobalOptions(Func<string, string?> environment)
    {
        _environment = environment;
        Server = new Option<Uri>("--server", "-s")
        {
            Description = $"The HTTP API's address [default: $PRESENCE_SERVER, else {DefaultServer}]",
            HelpName = "url",
            Recursive = true,
            CustomParser = ParseServer,
        };
        Token = new Option<string?>("--token", "-t")
        {
            Description = "The bearer token (Http:Token, or Http:ReadToken for reads) [default: $PRESENCE_TOKEN]",
            Recursive = true,
        };
        TokenFile = new Option<FileInfo?>("--token-file")
        {
            Description = "Read the token from this file (the server's data/api-token)",
            HelpName = "path",
            Recursive = true,
        };
        Json = new Option<bool>("--json")
        {
            Description = "Print the server's JSON as it is, for scripts (one document per line)",
            Recursive = true,
        };
    }

    public Option<Uri> Server { get; }

    public Option<string?> Token { get; }

    public Option<FileInfo?> TokenFile { get; }

    public Option<bool> Json { get; }

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Server);
        root.Options.Add(Token);
        root.Options.Add(TokenFile);
        root.Options.Add(Json);
    }

    public Uri ServerOf(ParseResult parse)
    {
        if (parse.GetValue(Server) is { } given)
            return given;
        string? fromEnvironment = _environment("PRESENCE_SERVER");
        if (string.IsNullOrWhiteSpace(fromEnvironment))
            return new Uri(DefaultServer + "/");
        return Absolute(fromEnvironment)
            ?? throw new CliFailure(ExitCodes.Usage, $"PRESENCE_SERVER='{fromEnvironment}' is not an http or https address such as {DefaultServer}");
    }

    /// <summary>--token, else --token-file, else $PRESENCE_TOKEN; none at all is left to the server to refuse (401).</summary>
    public string? TokenOf(ParseResult parse)
    {
        string? token = parse.GetValue(Token);
        FileInfo? file = parse.GetValue(TokenFile);
        if (token is not null && file is not null)
            throw new CliFailure(ExitCodes.Usage, "give either --token or --token-file, not both");
        if (file is not null)
        {
            try
            {
                token = File.ReadAllText(file.FullName).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliFailure(ExitCodes.Usage, $"cannot read the token file {file.FullName}: {e.Message}");
            }
        }
        token ??= _environment("PRESENCE_TOKEN");
        return string.IsNullOrWhiteSpace(token) ? null : token.Trim();
    }

    public static Uri? ParseServer(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (Absolute(text) is { } uri)
            return uri;
        result.AddError($"'{text}' is not an http or https address such as {DefaultServer}.");
        return null;
    }

    /// <summary>An http(s) base address; a path (a reverse proxy's prefix) is kept, with the slash relative paths need.</summary>
    public static Uri? Absolute(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return null;
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
    }
}
