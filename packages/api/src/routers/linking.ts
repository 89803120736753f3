// Account linking, the homeowner's half: what a platform asking to link would receive, and the
// answer (approve with choices, or deny). The platform's half (codes for tokens, refresh,
// revocation) is the OAuth token endpoint the web app serves from @proviso/core.
import { approveLinking, checkAuthorizeRequest, deniedRedirect, linkingOffer } from "@proviso/core";
import { SHARE_MODES } from "@proviso/domain";
import { z } from "zod";
import { createTRPCRouter, roleProcedure } from "../trpc";

/** The authorize request's parameters, as the platform sent them. */
const params = z.record(z.string(), z.string());
const shareMode = z.enum(SHARE_MODES);

export const linkingRouter = createTRPCRouter({
  /** The request checked, and what linking would share from one of the user's homes; or why it cannot be. */
  offer: roleProcedure("linking.offer")
    .input(z.object({ params, homeId: z.uuid().optional() }))
    .query(async ({ ctx, input }) => {
      const request = await checkAuthorizeRequest(ctx.db, input.params);
      if ("error" in request) return { ok: false as const, error: request.error };
      const offer = await linkingOffer(ctx.db, { userId: ctx.user.id, partnerId: request.client.partnerId, homeId: input.homeId, now: new Date() });
      return { ok: true as const, offer };
    }),

  /** Links the home with these choices; where to send the browser (the platform, with its code). */
  approve: roleProcedure("linking.approve")
    .input(z.object({ params, homeId: z.uuid(), choices: z.record(z.string(), shareMode) }))
    .output(z.object({ redirectTo: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const { redirectTo } = await approveLinking(ctx.db, {
        userId: ctx.user.id,
        homeId: input.homeId,
        params: input.params,
        choices: input.choices,
        now: new Date(),
      });
      return { redirectTo };
    }),

  /** The homeowner said no: the platform hears access_denied (only at an address it registered). */
  deny: roleProcedure("linking.deny")
    .input(z.object({ params }))
    .output(z.object({ redirectTo: z.string().nullable() }))
    .mutation(async ({ ctx, input }) => {
      const request = await checkAuthorizeRequest(ctx.db, input.params);
      return { redirectTo: "error" in request ? null : deniedRedirect(request) };
    }),
});
