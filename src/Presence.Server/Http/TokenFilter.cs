using Microsoft.AspNetCore.Http;

namespace Presence.Server.Http;

/// <summary>
/// The endpoint filter every /api call goes through: no valid token is 401 (RFC 6750 §3.1 "invalid_token"); the
/// read-only token on anything but GET or HEAD (the safe methods, RFC 9110 §9.2.1) is 403 "insufficient_scope".
/// </summary>
internal static class TokenFilter
{
    public static async ValueTask<object?> RequireScope(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        var token = http.RequestServices.GetService(typeof(ApiToken)) as ApiToken;
        ApiScope scope = token?.ScopeOf(http.Request.Headers.Authorization) ?? ApiScope.None;
        if (scope == ApiScope.None)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Json(new ProblemJson("A valid bearer token is required."), statusCode: StatusCodes.Status401Unauthorized);
        }
        if (scope == ApiScope.Read && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"insufficient_scope\"";
            return Results.Json(
                new ProblemJson("This token may only read (GET); changes need the operator token (Http:Token)."),
                statusCode: StatusCodes.Status403Forbidden);
        }
        return await next(context);
    }
}
