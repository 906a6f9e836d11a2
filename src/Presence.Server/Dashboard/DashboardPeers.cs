using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Presence.Server.Cluster;

namespace Presence.Server.Dashboard;

/// <summary>
/// Asks the other silos of the cluster for their own dashboard figures, at their advertised HTTP address with the
/// caller's token (as <see cref="ClusterApi"/> passes user calls on), so one page shows the whole cluster. Each silo
/// gets <see cref="Timeout"/> to answer; one that does not is shown as unreachable, and never holds up the others.
/// </summary>
public sealed class DashboardPeers : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(1.5),
    })
    { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    /// <summary>One silo's figures and its latest changes, or why there are none.</summary>
    public async Task<(SiloJson Silo, IReadOnlyList<ChangeJson> Changes)> FetchAsync(
        MemberJson member, string authorization, string self, bool history, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            var target = new Uri(new Uri(member.Http!.TrimEnd('/') + "/"), "api/dashboard" + (history ? "?history=true" : string.Empty));
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            // The silo answers for itself only, and cannot pass the call on again.
            request.Headers.TryAddWithoutValidation(ClusterApi.ForwardedHeader, self);
            using var response = await _client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                return Failed(member, $"refused the token ({(int)response.StatusCode}): give every member the same Http:Token and Http:ReadToken");
            if (!response.IsSuccessStatusCode)
                return Failed(member, $"answered {(int)response.StatusCode}");
            var answer = await response.Content.ReadFromJsonAsync<DashboardJson>(JsonSerializerOptions.Web, timeout.Token).ConfigureAwait(false);
            if (answer?.Silos is not [{ Reachable: true } silo, ..])
                return Failed(member, "answered without its figures");
            return (silo with { Silo = member.Silo, Self = false }, answer.Changes ?? []);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed(member, $"no answer within {Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return Failed(member, "did not answer: " + ex.Message);
        }
        catch (JsonException)
        {
            return Failed(member, "answered something that is not a dashboard");
        }
    }

    public void Dispose() => _client.Dispose();

    private static (SiloJson, IReadOnlyList<ChangeJson>) Failed(MemberJson member, string error) => (SiloJson.Unreachable(member.Silo, error), []);
}
