package dev.lattice.control.translate;

import java.util.List;

/**
 * The Gateway API feature names (upstream's {@code pkg/features}) that Lattice supports, as a GatewayClass reports
 * them in {@code status.supportedFeatures} (GEP-2162), sorted as the spec asks. docs/gateway-api.md is the report
 * that proves each; a unit test keeps the two the same.
 */
final class SupportedFeatures {
    static final List<String> NAMES = List.of(
            "BackendTLSPolicy", "BackendTLSPolicySANValidation", "GRPCRoute", "GRPCRouteNamedRouteRule",
            "GRPCRouteRequestHeaderModifier", "Gateway", "GatewayAddressEmpty", "GatewayBackendClientCertificate",
            "GatewayFrontendClientCertificateValidation", "GatewayFrontendClientCertificateValidationInsecureFallback",
            "GatewayHTTPListenerIsolation", "GatewayHTTPSListenerDetectMisdirectedRequests", "GatewayPort8080",
            "GatewayStaticAddresses", "HTTPRoute", "HTTPRoute303RedirectStatusCode", "HTTPRoute307RedirectStatusCode",
            "HTTPRoute308RedirectStatusCode", "HTTPRouteBackendProtocolH2C", "HTTPRouteBackendProtocolWebSocket",
            "HTTPRouteBackendRequestHeaderModification", "HTTPRouteBackendRequestRedirect", "HTTPRouteBackendTimeout",
            "HTTPRouteBackendURLRewrite", "HTTPRouteCORS", "HTTPRouteDestinationPortMatching", "HTTPRouteHostRewrite",
            "HTTPRouteMethodMatching", "HTTPRouteNamedRouteRule", "HTTPRouteParentRefPort", "HTTPRoutePathRedirect",
            "HTTPRoutePathRewrite", "HTTPRoutePortRedirect", "HTTPRouteQueryParamMatching", "HTTPRouteRequestMirror",
            "HTTPRouteRequestMultipleMirrors", "HTTPRouteRequestPercentageMirror", "HTTPRouteRequestTimeout",
            "HTTPRouteResponseHeaderModification", "HTTPRouteRetry", "HTTPRouteRetryBackendTimeout",
            "HTTPRouteRetryConnectionError", "HTTPRouteSchemeRedirect", "ListenerSet", "Mesh", "MeshClusterIPMatching",
            "MeshConsumerRoute", "MeshHTTPRouteBackendRequestHeaderModification", "MeshHTTPRouteNamedRouteRule",
            "MeshHTTPRouteQueryParamMatching", "MeshHTTPRouteRedirectPath", "MeshHTTPRouteRedirectPort",
            "MeshHTTPRouteRewritePath", "MeshHTTPRouteSchemeRedirect", "ReferenceGrant", "TCPRoute", "TLSRoute",
            "TLSRouteModeMixed", "TLSRouteModeTerminate");

    private SupportedFeatures() {}

    /** status.supportedFeatures: [{name: ...}, ...]. */
    static com.fasterxml.jackson.databind.node.ArrayNode status() {
        com.fasterxml.jackson.databind.node.ArrayNode a = Status.JSON.arrayNode();
        for (String n : NAMES) a.addObject().put("name", n);
        return a;
    }
}
