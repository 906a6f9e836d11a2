using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Presence.Server.Http;

namespace Presence.Server.Dashboard;

public static class DashboardHosting
{
    /// <summary>The dashboard's sampler (rates from the telemetry collector) and its client for the other silos.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.TryAddSingleton<DashboardSampler>();
        services.TryAddSingleton<DashboardPeers>();
        return services;
    }

    /// <summary>
    /// GET /dashboard (the page, no token: it asks for one) with its stylesheet and script, and GET /api/dashboard
    /// (either token) that the page polls. Served where the API is (Http:Urls, loopback by default).
    /// </summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet(DashboardPage.Path, (HttpContext http) => DashboardPage.Serve("dashboard.html", http));
        app.MapGet(DashboardPage.Path + "/{asset}", (string asset, HttpContext http) => DashboardPage.Serve(asset, http));
        app.MapGet("/api/dashboard", DashboardApi.GetAsync).AddEndpointFilter(TokenFilter.RequireScope);
        return app;
    }
}
