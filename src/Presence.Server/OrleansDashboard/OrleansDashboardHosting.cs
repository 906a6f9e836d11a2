using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Orleans.Dashboard;
using Presence.Server.Http;

namespace Presence.Server.OrleansDashboard;

/// <summary>The "OrleansDashboard" configuration section: Orleans' own dashboard (grains, silos, calls), for operators.</summary>
public sealed class OrleansDashboardOptions
{
    public const string Section = "OrleansDashboard";

    /// <summary>Serve Orleans' dashboard (default false: its grain-call profiler costs throughput, see the README).</summary>
    public bool Enabled { get; set; }

    /// <summary>Where, on the HTTP API's listener (default "/orleans").</summary>
    public string Path { get; set; } = "/orleans";

    public static OrleansDashboardOptions Read(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<OrleansDashboardOptions>() ?? new OrleansDashboardOptions();
}

/// <summary>
/// Orleans' dashboard (Microsoft.Orleans.Dashboard) on a silo that hosts users, behind the operator's token. Its page
/// cannot send a bearer header, so it takes the token as the password of HTTP Basic authentication (RFC 7617; any user
/// name): the browser asks once and sends it with every call of the page.
/// </summary>
public static class OrleansDashboardHosting
{
    public static ISiloBuilder AddOrleansDashboard(this ISiloBuilder silo, OrleansDashboardOptions options)
    {
        if (options.Enabled)
            silo.AddDashboard();
        return silo;
    }

    public static IEndpointRouteBuilder MapOrleansDashboard(this IEndpointRouteBuilder app, OrleansDashboardOptions options)
    {
        if (!options.Enabled)
            return app;
        Orleans.Dashboard.ServiceCollectionExtensions.MapOrleansDashboard(app, "/" + options.Path.Trim('/')).AddEndpointFilter(RequireOperator);
        return app;
    }

    private static async ValueTask<object?> RequireOperator(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var token = http.RequestServices.GetService(typeof(ApiToken)) as ApiToken;
        string? authorization = http.Request.Headers.Authorization;
        bool allowed = token is not null
            && (token.ScopeOfBasic(authorization) == ApiScope.Operator || token.ScopeOf(authorization) == ApiScope.Operator);
        if (allowed)
            return await next(context);
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"Orleans dashboard (the password is the operator's token)\", charset=\"UTF-8\"";
        return Results.Text("The operator's token is required (as the password).", statusCode: StatusCodes.Status401Unauthorized);
    }
}
