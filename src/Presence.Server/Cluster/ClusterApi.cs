using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Presence.Cluster.Membership;
using Presence.Cluster.Runtime;
using Presence.Cluster.Storage;
using Presence.Server.Http;

namespace Presence.Server.Cluster;

/// <summary>
/// The cluster over HTTP: GET /api/cluster shows the membership as this member sees it, and calls about a
/// user that another silo owns are passed to that silo's API (with the caller's token), so an operator can
/// ask any member about anyone.
/// </summary>
public static class ClusterApi
{
    /// <summary>Marks a call one member passed to another, so that two members with different views cannot bounce it forever.</summary>
    public const string ForwardedHeader = "X-Presence-Forwarded-By";

    private static readonly HttpClient Forwarder = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(3),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster", (IServiceProvider services) => Results.Json(Describe(services)))
            .AddEndpointFilter(TokenFilter.RequireScope);
        app.MapPost("/api/cluster/drain", Drain).AddEndpointFilter(TokenFilter.RequireScope);
        return app;
    }

    /// <summary>
    /// Starts a graceful leave of this silo without stopping the process: it hands every partition to the
    /// others (watch ownedPartitions fall to 0 and hasLeft turn true on GET /api/cluster), then only forwards.
    /// Stop it afterwards at leisure; nothing is lost either way.
    /// </summary>
    private static IResult Drain(IServiceProvider services, IHostApplicationLifetime lifetime)
    {
        if (services.GetService<MembershipAgent>() is not { Role: MemberRole.Silo } agent)
            return Results.Json(new ProblemJson("Only a silo of a cluster can be drained."), statusCode: StatusCodes.Status409Conflict);
        if (!agent.IsLeaving)
            _ = Task.Run(() => agent.LeaveAsync(lifetime.ApplicationStopping));
        return Results.Json(new { draining = true, ownedPartitions = agent.OwnedCount }, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The endpoint filter of /api/users/{user}/...: serve here when this silo owns the user, else pass the call on.</summary>
    public static async ValueTask<object?> ToOwner(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.RequestServices.GetService<ClusterSiloLocator>() is not { } locator
            || http.Request.RouteValues["user"] is not string user
            || !PresenceApi.TryAor(user, out string aor, out _))
            return await next(context);
        var route = locator.Locate(aor);
        if (route.Kind == SiloRouteKind.Local)
            return await next(context);
        if (route.Kind == SiloRouteKind.Unavailable || http.Request.Headers.ContainsKey(ForwardedHeader)
            || locator.OwnerHttpAddress(aor) is not { Length: > 0 } owner)
        {
            http.Response.Headers.RetryAfter = route.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(new ProblemJson("No silo serves this user right now; try again shortly."), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return await ForwardAsync(http, owner, locator.SelfName).ConfigureAwait(false);
    }

    private static async Task<IResult> ForwardAsync(HttpContext http, string owner, string self)
    {
        var target = new Uri(new Uri(owner.TrimEnd('/') + "/"), http.Request.Path.Value!.TrimStart('/') + http.Request.QueryString);
        using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), target);
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(http.Request.Body);
            if (http.Request.ContentType is { } type)
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        foreach (var header in http.Request.Headers)
        {
            if (header.Key is "Host" or "Content-Type" or "Content-Length" or "Transfer-Encoding" or "Connection")
                continue;
            request.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
        }
        request.Headers.TryAddWithoutValidation(ForwardedHeader, self);
        HttpResponseMessage response;
        try
        {
            response = await Forwarder.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            http.Response.Headers.RetryAfter = "1";
            return Results.Json(new ProblemJson("The silo that owns this user did not answer; try again shortly."), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return new ForwardedResult(response);
    }

    private static object Describe(IServiceProvider services)
    {
        var agent = services.GetService<MembershipAgent>();
        var committer = services.GetService<GroupCommitter>();
        if (agent is null)
            return new { clustered = false, writeConflicts = committer?.Conflicts ?? 0 };
        var snapshot = agent.Snapshot;
        var ring = agent.Ring;
        var shares = ring.Shares();
        return new
        {
            clustered = true,
            self = agent.SiloId,
            role = agent.Role.ToString().ToLowerInvariant(),
            incarnation = agent.Incarnation,
            version = ring.Version,
            fenced = agent.IsFenced,
            leaving = agent.IsLeaving,
            hasLeft = agent.HasLeft,
            ownedPartitions = agent.OwnedCount,
            pendingHandovers = agent.PendingHandovers,
            declaredDead = agent.DeclaredDead,
            writeConflicts = committer?.Conflicts ?? 0,
            members = (snapshot?.Members ?? []).Select(m => new
            {
                silo = m.SiloId,
                incarnation = m.Incarnation,
                role = m.Role.ToString().ToLowerInvariant(),
                status = m.Status.ToString().ToLowerInvariant(),
                sip = m.SipAddress,
                http = m.HttpAddress,
                leaseExpires = m.LeaseExpires,
                partitions = m.Status == MemberStatus.Active ? shares.GetValueOrDefault(m.SiloId) : 0,
            }),
        };
    }

    /// <summary>Streams the owner's answer back as it comes (an SSE stream included).</summary>
    private sealed class ForwardedResult(HttpResponseMessage response) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            using (response)
            {
                http.Response.StatusCode = (int)response.StatusCode;
                foreach (var header in response.Headers.Concat(response.Content.Headers))
                {
                    if (header.Key is "Transfer-Encoding" or "Connection" or "Keep-Alive")
                        continue;
                    http.Response.Headers[header.Key] = header.Value.ToArray();
                }
                await using var body = await response.Content.ReadAsStreamAsync(http.RequestAborted).ConfigureAwait(false);
                try
                {
                    await body.CopyToAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
                {
                    // The caller went away (a closed event stream).
                }
                catch (IOException) when (http.RequestAborted.IsCancellationRequested)
                {
                }
            }
        }
    }
}
